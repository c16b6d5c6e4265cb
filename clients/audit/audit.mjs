// The graphql-http audit suite (GraphQL over HTTP conformance) against a running server.
//
//   node audit.mjs http://127.0.0.1:8000/graphql
//
// Prints every audit (id, status, name, and the reason when it did not pass), then a summary line
// `audit: N ok, N warn, N error` (and `, N notice` when the suite reports notices), and exits 1
// when any audit is an error or a warning; 2 on bad usage or when the suite itself fails.
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}

const counts = { ok: 0, warn: 0, error: 0, notice: 0 };
for (const audit of serverAudits({ url, fetchFn: fetch })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // The suite throws only when the audit could not run at all (e.g. the server is down).
    result = { id: audit.id, name: audit.name, status: 'error', reason: `audit threw: ${err}` };
  }
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  let line = `${result.status.padEnd(6)} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    const status = result.response ? ` [HTTP ${result.response.status}]` : '';
    line += `\n       reason: ${result.reason}${status}`;
  }
  console.log(line);
}

const notices = counts.notice ? `, ${counts.notice} notice` : '';
console.log(`audit: ${counts.ok} ok, ${counts.warn} warn, ${counts.error} error${notices}`);
process.exit(counts.error > 0 || counts.warn > 0 ? 1 : 0);
