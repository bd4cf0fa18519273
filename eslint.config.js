import js from "@eslint/js"
import regexp from "eslint-plugin-regexp"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/*.tsbuildinfo", ".vitest-output/**", "**/test-output/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // No regular expression with super-linear backtracking ships (regexp/no-super-linear-backtracking
  // is in the recommended set), nor one with the other mistakes the plugin finds.
  regexp.configs.recommended,
  {
    languageOptions: { globals: { console: "readonly", process: "readonly", URL: "readonly", TextDecoder: "readonly", TextEncoder: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", fetch: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-empty-object-type": "off",
      "@typescript-eslint/no-unsafe-declaration-merging": "off",
      "no-restricted-syntax": ["error", { selector: "ThrowStatement", message: "Errors are values: fail in the error channel instead of throwing." }]
    }
  },
  {
    files: ["**/test/**", "docs/**", "bench/**", "scripts/**"],
    rules: { "no-restricted-syntax": "off" }
  }
)
