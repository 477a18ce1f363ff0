import { defineConfig, env } from 'prisma/config'
// a comment JavaScript ends at the carriage return/*
export default defineConfig({ datasource: { url: env('SAFE_URL') } })
*/ export default defineConfig({ datasource: { url: env('EVIL_URL') } })
