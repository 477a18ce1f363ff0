import 'dotenv/config'
import path from 'path'
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: path.resolve(process.cwd(), 'db/schema.prisma'),
  datasource: {
    url: process.env['APP_DB_URL'],
    shadowDatabaseUrl: process.env['SHADOW_DB_URL'] || undefined,
  },
})
