// Builds the two shapes users load:
//  - dist/index.js (+ index.d.ts): the ES module, dependencies left to the user's bundler;
//  - dist/sobot-call-sdk.js: the minified script-tag file defining window.SobotClient, self-contained.
import typescript from '@rollup/plugin-typescript'
import resolve from '@rollup/plugin-node-resolve'
import commonjs from '@rollup/plugin-commonjs'
import terser from '@rollup/plugin-terser'
import { dts } from 'rollup-plugin-dts'
import { readFileSync } from 'node:fs'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const banner = `/*! ${pkg.name} ${pkg.version} | MIT */`
const ts = () => typescript({ tsconfig: './tsconfig.build.json', declaration: false, declarationDir: undefined, outDir: 'dist' })
const external = (id) => /^(eventemitter3|mitt|jssip)(\/|$)/.test(id)

export default [
  {
    input: 'src/index.ts',
    external,
    output: { dir: 'dist', format: 'es', entryFileNames: 'index.js', chunkFileNames: '[name].js', banner, sourcemap: true },
    plugins: [ts()],
  },
  {
    input: 'src/global.ts',
    output: { file: 'dist/sobot-call-sdk.js', format: 'iife', banner, sourcemap: true },
    plugins: [resolve({ browser: true }), commonjs(), ts(), terser({ format: { comments: /^!/ } })],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts({ tsconfig: './tsconfig.build.json' })],
  },
]
