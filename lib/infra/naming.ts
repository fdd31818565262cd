/** `climate-videos` → `ClimateVideos`: construct ids from kebab-case names of the config. */
export function pascalCase(kebab: string): string {
  return kebab.replace(/(^|-)([a-z0-9])/g, (_match, _dash, c: string) => c.toUpperCase());
}
