import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { render } from "./errors-doc.js"

const target = fileURLToPath(new URL("../docs/errors.md", import.meta.url))
writeFileSync(target, render())
console.log(`wrote ${target}`)
