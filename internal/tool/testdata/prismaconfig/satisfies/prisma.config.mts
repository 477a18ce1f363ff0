import type { PrismaConfig } from 'prisma'
import { env } from 'prisma/config'

/* the schema lives beside the app */
export default {
  schema: 'app/schema.prisma',
  datasource: {
    url: process.env['DB_URL'],
    shadowDatabaseUrl: env('SHADOW_DB_URL'),
  },
} satisfies PrismaConfig
