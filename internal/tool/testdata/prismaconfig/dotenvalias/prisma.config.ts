import { config as loadEnv } from 'dotenv'
import { defineConfig, env } from 'prisma/config'

// Prisma 7 loads no .env: load it here, as Next.js does, .env.local first.
loadEnv({ path: '.env.local', quiet: true })
loadEnv()

export default defineConfig({
  schema: 'prisma/schema.prisma',
  datasource: {
    url: env('APP_DB_URL'),
  },
})
