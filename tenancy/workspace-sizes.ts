// What one workspace asks of the cluster, by resource factor. The base is the hosted
// service's sandbox (0.5 CPU, 3 GiB memory with limit = request, 10 GiB ephemeral); the
// workspace volume does not grow with the factor.

export const BASE_CPU_CORES = 0.5;
export const BASE_MEMORY_BYTES = 3 * 2 ** 30;
export const EPHEMERAL_STORAGE_BYTES = 10 * 2 ** 30;
export const WORKSPACE_VOLUME_BYTES = 10 * 2 ** 30;

export interface WorkspaceSize {
  cpuCores: number;
  memoryBytes: number;
  ephemeralBytes: number;
  volumeBytes: number;
}

export function workspaceSize(resourceFactor: number): WorkspaceSize {
  return {
    cpuCores: BASE_CPU_CORES * resourceFactor,
    memoryBytes: BASE_MEMORY_BYTES * resourceFactor,
    ephemeralBytes: EPHEMERAL_STORAGE_BYTES,
    volumeBytes: WORKSPACE_VOLUME_BYTES,
  };
}
