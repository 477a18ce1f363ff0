import dotenv from 'dotenv'
import { defineConfig } from 'prisma/config'

dotenv.config({ path: '.env.local' })

export default defineConfig({
  migrations: { path: 'db/migrations', seed: 'tsx db/seed.ts' },
  datasource: {
    url: process.env.APP_DB_URL!,
  },
})
