import 'dotenv/config'
import path from 'node:path'
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: path.join('prisma', 'schema.prisma'),
  migrations: {
    path: path.join(__dirname, 'db', 'migrations'),
  },
  datasource: {
    url: process.env.APP_DB_URL ?? '',
  },
})
