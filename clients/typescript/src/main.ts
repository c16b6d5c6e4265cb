// The example, run: `npm run example` compiles src/ to dist/ (tsc) and runs this file with Node
// against the gateway at GRAPHQL_URL, by default the demo's (`make demo`), printing one line per
// answer. A document list with an unknown and an invalid uid shows a partial answer: the
// documents found, and an error for each of the others.
import { documentCard, documentList, drawingSetCheck, scanCheck } from './example.js';

const url = process.env.GRAPHQL_URL || 'http://127.0.0.1:8000/graphql';

async function main(): Promise<void> {
  const verdict = await scanCheck(url, { uid: 'DOC-001', revision: 'A', lang: 'en' });
  const build = verdict.isActual ? 'build from it' : `build from rev. ${verdict.latest ?? '-'}`;
  console.log(`scan DOC-001 rev. A: ${verdict.reason}, ${build} (${verdict.status})`);

  console.log(`card DOC-001: ${(await documentCard(url, 'DOC-001')) ?? 'not found'}`);

  for (const { uid, document, error } of await documentList(url, [
    'DOC-001',
    'DOC-MISSING',
    'DOC-004',
    '..',
  ])) {
    if (document) {
      const latest = document.latestRevision;
      const status = latest
        ? `rev. ${latest.revision}, ${latest.businessStatus.label}`
        : 'no released revision';
      console.log(`list ${uid}: ${document.number ?? document.uid} ${status}`);
    } else {
      console.log(`list ${uid}: ${error?.extensions?.code ?? 'no data'} (${error?.message ?? ''})`);
    }
  }

  const sheets = await drawingSetCheck(url, [
    { uid: 'DOC-001', revision: 'A' },
    { uid: 'DOC-001', revision: 'B' },
    { uid: 'DOC-MISSING', revision: 'A' },
    { uid: '..', revision: 'A' },
  ]);
  for (const { sheet, verdict: reason } of sheets) {
    console.log(`sheet ${sheet.uid} rev. ${sheet.revision}: ${reason}`);
  }
}

try {
  await main();
} catch (error) {
  // fetch's own failure ("fetch failed") says why in its cause: ECONNREFUSED, ENOTFOUND, ...
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  const why = cause
    ? `${cause.message} (is the gateway running? make demo)`
    : error instanceof Error
      ? error.message
      : String(error);
  console.error(`example: ${url}: ${why}`);
  process.exitCode = 1;
}
