// Loaded (node --import) into every fuzz test process by scripts/fuzz.mjs: sets fast-check's
// global parameters from the environment. Without it (the normal `pnpm test`) every property
// runs fast-check's default of 100 cases with a random seed.
//   FUZZ_CASES  cases per property
//   FUZZ_SEED, FUZZ_PATH  replay a failure: the seed and path fast-check printed with it
import fc from 'fast-check'

const env = process.env
fc.configureGlobal({
  ...fc.readConfigureGlobal(),
  ...(env.FUZZ_CASES != null && { numRuns: Number(env.FUZZ_CASES) }),
  ...(env.FUZZ_SEED != null && { seed: Number(env.FUZZ_SEED) }),
  ...(env.FUZZ_PATH != null && { path: env.FUZZ_PATH })
})
