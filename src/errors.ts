// Typed errors that routes throw; app.ts maps each to an HTTP status once.
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 409 | 413 | 422 | 503,
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  constructor(message: string) {
    super(404, message);
  }
}

export class BadRequestError extends AppError {
  override name = 'BadRequestError';
  constructor(message: string) {
    super(400, message);
  }
}

/** Well-formed but refused: not a feed, an address the guard refuses, an unknown category … (422). */
export class RefusedError extends AppError {
  override name = 'RefusedError';
  constructor(message: string) {
    super(422, message);
  }
}

/** The request conflicts with the current state of the thing it names (409). */
export class ConflictError extends AppError {
  override name = 'ConflictError';
  constructor(message: string) {
    super(409, message);
  }
}

/** This runtime cannot do it (503). */
export class UnavailableError extends AppError {
  override name = 'UnavailableError';
  constructor(message: string) {
    super(503, message);
  }
}
