// The stylesheet is bundled by esbuild (scripts/build-console.ts) into app-<hash>.css.
declare module '*.css'
