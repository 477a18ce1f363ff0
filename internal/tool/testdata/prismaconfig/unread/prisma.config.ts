import { defineConfig } from 'prisma/config'

export default defineConfig({
  datasource: {
    url: process.env.PRIMARY_URL ?? process.env.FALLBACK_URL,
  },
})
