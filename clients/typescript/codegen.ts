// GraphQL Code Generator: typed documents and result/variable types for the gateway's
// operations (../../queries/*.graphql) against its schema (../../schema.graphql).
// `npm run codegen` writes src/generated/ (committed); clients/check.sh regenerates into a
// temporary directory (CODEGEN_OUT) and compares.
import type { CodegenConfig } from '@graphql-codegen/cli';

const out = process.env.CODEGEN_OUT ?? 'src/generated/';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['../../queries/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    [out.endsWith('/') ? out : `${out}/`]: {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
      },
      config: {
        // Plain strings on the wire: `fetch` needs no GraphQL library at run time.
        documentMode: 'string',
        useTypeImports: true,
        // `./graphql.js`, not `./graphql`: Node's ES module resolution needs the extension.
        importExtension: '.js',
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTime: 'string' },
      },
    },
  },
};

export default config;
