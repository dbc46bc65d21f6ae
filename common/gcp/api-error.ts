// The message of a Google API error answer: {"error": {"code": 404, "message": "..."}}.

/** `error.message` of a Google API JSON error body, or undefined when the body is not one. */
export function googleApiErrorMessage(body: string): string | undefined {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } } | null)?.error?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}
