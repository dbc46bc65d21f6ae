// How kubectl calls back into the plugin for a token: the flag, and the environment that
// points the helper at its files. No imports, so the entry can check the flag cheaply.

export const EXEC_CREDENTIAL_FLAG = '--exec-credential';
export const ENV_TOKEN_CACHE = 'DRONE_GKE_TOKEN_CACHE';
export const ENV_CREDENTIALS_FILE = 'DRONE_GKE_CREDENTIALS_FILE';
export const ENV_TOKEN_URL = 'DRONE_GKE_TOKEN_URL';
export const EXEC_API_VERSION = 'client.authentication.k8s.io/v1beta1';
