import { fileURLToPath } from "node:url"

const packageSource = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url))

/** Tests run against the sources, so `pnpm test` needs no build first. */
export const alias = {
  "@errata/core": packageSource("core"),
  "@errata/client": packageSource("client"),
  "@errata/server": packageSource("server")
}
