import { defineConfig, env } from 'prisma/config'

// prisma.config/index.ts: a folder Prisma's loader (c12) also resolves.
export default defineConfig({
  schema: '../db/schema.prisma',
  datasource: { url: env('INDEX_URL') },
})
