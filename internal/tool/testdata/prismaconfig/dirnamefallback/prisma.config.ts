import dotenv from 'dotenv'
import * as path from 'path'
import { defineConfig } from 'prisma/config'

dotenv.config({ path: path.resolve(process.cwd(), '.env.local') })

const databaseUrl =
  process.env.APP_DB_URL ||
  'postgresql://postgres:postgres@localhost:5432/placeholder'

export default defineConfig({
  schema: path.join(import.meta.dirname, 'prisma', 'schema.prisma'),
  migrations: { path: path.resolve(import.meta.dirname, 'prisma/migrations') },
  datasource: { url: databaseUrl },
})
