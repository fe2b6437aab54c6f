/**
 * Aiven's failed-response shape (https://api.aiven.io/doc/#section/Responses/Failed-responses, and the
 * `Error` type of github.com/aiven/go-client-codegen): a top-level `message` and an `errors` list whose
 * items carry the message and the HTTP status again.
 */

/** A request the local MST refuses; the server turns it into {@link errorBody} with `status`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ErrorBody {
  readonly message: string;
  readonly errors: readonly { readonly message: string; readonly status: number }[];
}

export function errorBody(status: number, message: string): ErrorBody {
  return { message, errors: [{ message, status }] };
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const notFound = (message: string): ApiError => new ApiError(404, message);
export const conflict = (message: string): ApiError => new ApiError(409, message);
