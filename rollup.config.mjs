// Builds the shapes users load:
//  - dist/index.js (+ index.d.ts): the ES module; the web phone is a chunk loaded on demand, and
//    dependencies (eventemitter3, mitt, jssip) are left to the user's bundler;
//  - dist/sobot-call-sdk.js: the minified script-tag file defining window.SobotClient, self-contained;
//  - dist/sobot-call-sdk-phone.js: the script tag's web phone (JsSIP inside), loaded on demand;
//  - dist/protocol.js (+ protocol.d.ts): `sobot-call-sdk/protocol`, the contract a contact center
//    imports (commands, wire, errors, events, state tables, parsers), self-contained and pure.
import typescript from '@rollup/plugin-typescript'
import resolve from '@rollup/plugin-node-resolve'
import commonjs from '@rollup/plugin-commonjs'
import terser from '@rollup/plugin-terser'
import json from '@rollup/plugin-json'
import { dts } from 'rollup-plugin-dts'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const banner = `/*! ${pkg.name} ${pkg.version} | MIT */`
const ts = () => typescript({ tsconfig: './tsconfig.build.json', declaration: false, declarationDir: undefined, outDir: 'dist' })
const external = (id) => /^(eventemitter3|mitt|jssip)(\/|$)/.test(id)
const min = () => terser({ format: { comments: /^!/ } })

export default [
  {
    input: 'src/index.ts',
    external,
    // The phone chunk imports what it shares with the entry (the contract's SIP header names) from
    // the entry itself, instead of splitting the SDK into one more chunk.
    preserveEntrySignatures: 'allow-extension',
    output: { dir: 'dist', format: 'es', entryFileNames: 'index.js', chunkFileNames: 'chunks/[name]-[hash].js', banner, sourcemap: true },
    plugins: [ts()],
  },
  {
    input: 'src/global.ts',
    output: { file: 'dist/sobot-call-sdk.js', format: 'iife', banner, sourcemap: true },
    plugins: [resolve({ browser: true }), commonjs(), ts(), min()],
  },
  {
    input: 'src/phone/WebPhone.ts',
    output: {
      file: 'dist/sobot-call-sdk-phone.js',
      format: 'es',
      banner: `/*! ${pkg.name} ${pkg.version} web phone | MIT; JsSIP | MIT */`,
      sourcemap: true,
    },
    plugins: [resolve({ browser: true, preferBuiltins: false }), commonjs(), json(), ts(), min()],
  },
  {
    input: 'src/protocol/index.ts',
    output: { file: 'dist/protocol.js', format: 'es', banner: `/*! ${pkg.name} ${pkg.version} protocol | MIT */`, sourcemap: true },
    plugins: [ts()],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
  },
  {
    input: 'src/protocol/index.ts',
    output: { file: 'dist/protocol.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
  },
]
