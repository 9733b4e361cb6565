#!/usr/bin/env node
// Runs the graphql-http GraphQL-over-HTTP conformance audit against a live
// endpoint. Go tests call it as:  node audit.mjs http://127.0.0.1:PORT/graphql
//
// Every audit result is printed. The exit code is 1 if any result is not ok:
// notices (MAY rules) and warnings (SHOULD rules) fail the run just like
// errors (MUST rules), because civicgraph promises a fully conformant
// transport and a new warning is a regression. It also exits 1, with a
// message, when the audit cannot run at all (bad arguments, server down).
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url || !/^https?:\/\//.test(url)) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(1);
}

let results;
try {
  results = await auditServer({ url });
} catch (err) {
  console.error(`audit could not run against ${url}: ${err?.stack || err}`);
  process.exit(1);
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  counts[r.status] = (counts[r.status] ?? 0) + 1;
  const tag = r.status.toUpperCase().padEnd(5);
  console.log(`${tag} ${r.id} ${r.name}`);
  if (r.status !== 'ok') {
    console.log(`      reason: ${r.reason}`);
    if (r.response) {
      let body = '';
      try {
        body = await r.response.text();
      } catch {
        body = '<unreadable body>';
      }
      const ct = r.response.headers.get('content-type') ?? '<none>';
      console.log(`      response: ${r.response.status} ${ct} ${body.slice(0, 500)}`);
    }
  }
}
console.log(
  `audit: ${results.length} results, ${counts.ok} ok, ${counts.notice} notices, ` +
    `${counts.warn} warnings, ${counts.error} errors`,
);
process.exit(counts.ok === results.length ? 0 : 1);
