// The bundle budgets, checked by `npm test`. The budget: everything but the phone (JsSIP)
// at most 15 KB minified and gzipped. The phone is loaded on demand and budgeted on its own.
const withoutPhone = (config) => ({ ...config, external: [...(config.external ?? []), './chunks/*'] })

module.exports = [
  { name: 'script tag, everything but the phone', path: 'dist/sobot-call-sdk.js', limit: '15 KB', gzip: true },
  {
    name: 'ES module, everything but the phone',
    path: 'dist/index.js',
    import: '*',
    ignore: ['jssip'],
    modifyEsbuildConfig: withoutPhone,
    limit: '15 KB',
    gzip: true,
  },
  { name: 'web phone with JsSIP, loaded on demand', path: 'dist/sobot-call-sdk-phone.js', limit: '70 KB', gzip: true },
]
