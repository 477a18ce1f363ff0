import { defineConfig, env } from 'prisma/config'
const a = `${"`"}`; const b = "/*";
export default defineConfig({ datasource: { url: env('EVIL_URL') } })
// */ export default defineConfig({ datasource: { url: env('SAFE_URL') } })
