import 'dotenv/config'
import { defineConfig, env } from 'prisma/config'

// Paths are relative to this file's folder.
export default defineConfig({
  schema: '../prisma/schema',
  migrations: { path: '../prisma/migrations' },
  datasource: { url: env('DATABASE_URL') },
})
