// Package httptransport carries GraphQL over HTTP for gqlgen the way the
// GraphQL-over-HTTP specification asks, so that generic clients and the
// graphql-http conformance audit see no errors and no warnings.
//
// gqlgen's own transport.POST and transport.GET are close but not
// conformant: they answer 422 to application/json clients for invalid
// documents, always include "data": null (even when execution never
// started), reject mutations over GET with 406 instead of 405, and leave
// unsupported content types to the server's generic 400. The transports
// here fix that while keeping gqlgen's executor, extensions and error
// presenter in charge of every GraphQL error a client sees.
//
// Status codes, in short:
//
//   - 200 for every well-formed request answered as application/json, even
//     when the document fails to parse or validate (legacy clients read the
//     body, not the status).
//   - application/graphql-response+json: 200 when the response has a data
//     entry (even null, a "partial" result), 400 for request errors (parse,
//     validation, unknown operation, variable coercion), 500 for a response
//     that has no data for another reason.
//   - 400 for a request that is not a well-formed GraphQL-over-HTTP request
//     (bad JSON, missing or mistyped parameters), 405 (Allow: POST) for a
//     mutation over GET, 406 when the Accept header rules out both JSON media
//     types, 413 for an oversized body, 415 for a body that is not UTF-8
//     application/json.
//
// Register other POST transports that you need (transport.MultipartForm,
// transport.SSE) on the gqlgen server before POST: POST claims every
// remaining POST request so that it can answer 415 instead of gqlgen's
// generic "transport not supported".
package httptransport
