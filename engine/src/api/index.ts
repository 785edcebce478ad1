/**
 * Face of the engine API: the app factory, the services it runs over, the error registry, the
 * binding check `serve` calls before listening, and the store-backed service adapters.
 */
export { PUBLIC_ROUTES, type RouteAccess, RouteDeclarationError, resolveAccess } from "./access.js";
export { type AppOptions, buildApp } from "./app.js";
export {
  type BindingDecision,
  type BindingRequest,
  checkBinding,
  DEFAULT_HOST,
  DEFAULT_PORT,
  isLoopback,
} from "./binding.js";
export {
  API_ERRORS,
  ApiError,
  type ApiErrorCode,
  type ErrorBody,
  fromAuthError,
  isApiError,
  toApiError,
} from "./errors.js";
export { buildOpenApi, type RouteInfo } from "./openapi.js";
export { decodeCursor, encodeCursor } from "./pagination.js";
export {
  normalizeOrigin,
  parseHostHeader,
  type RequestOriginOptions,
  requestOriginCheck,
} from "./request-origin.js";
export { WS_CLOSE } from "./routes/stats-feed.js";
export { bearerToken } from "./security.js";
export type * from "./services.js";
export {
  type ConnectionDescription,
  statsFromStore,
  storeMessages,
  storeMonitoring,
} from "./store-services.js";
