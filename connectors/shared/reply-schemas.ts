/**
 * Problem reply schemas for the connectors' routes: those of the API (services/api/problem-schema.ts),
 * which every route group declares. Kept here because connectors import them from this path.
 */
export { PROBLEM_SCHEMA, problemResponses } from '../../services/api/problem-schema.ts';
