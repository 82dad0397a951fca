// Errors as the Proxmox VE API server reports them: an HTTP status, a message (its first line becomes the HTTP reason
// phrase) and, for parameter verification, one text per offending parameter.
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

/** 500: what the real server answers for ordinary failures ("... does not exist", "... already exists"). */
export function fail(message: string): never {
  throw new ApiError(500, message.endsWith('\n') ? message : `${message}\n`);
}

export function paramError(errors: Record<string, string>): never {
  throw new ApiError(400, 'Parameter verification failed.\n', errors);
}

export function permissionError(what?: string): never {
  throw new ApiError(403, what ? `Permission check failed (${what})\n` : 'Permission check failed\n');
}

/** Authentication failures answered with 401, an empty body and the reason in the HTTP status text. */
export class AuthError extends Error {}
