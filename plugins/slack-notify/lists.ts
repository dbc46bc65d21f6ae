// Lists that must fit a length: as many whole items as fit, then "…and N more".

/** Joins `items` with `separator` within `max` characters, ending with a count of those left out. */
export function joinWithin(items: readonly string[], separator: string, max: number, noun: string): string {
  let out = '';
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as string;
    const next = out === '' ? item : `${out}${separator}${item}`;
    const left = items.length - i - 1;
    const tail = left > 0 ? `${separator}…and ${left} more ${noun}` : '';
    if (next.length + tail.length > max) {
      const rest = items.length - i;
      const more = `…and ${rest} more ${noun}`;
      return out === '' ? more : `${out}${separator}${more}`;
    }
    out = next;
  }
  return out;
}
