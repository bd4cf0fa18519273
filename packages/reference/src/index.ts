/**
 * The reference API's parts that need no Effect, written once for both editions' demos.
 */
export * as ApiInfo from "./ApiInfo.js"
export * as ApiKeys from "./ApiKeys.js"
export * as FaultKinds from "./FaultKinds.js"
export * as MemoryCollection from "./MemoryCollection.js"
export * as Scopes from "./Scopes.js"
export * as ServeBanner from "./ServeBanner.js"
export * as Tiers from "./Tiers.js"
export * as TourScript from "./TourScript.js"
