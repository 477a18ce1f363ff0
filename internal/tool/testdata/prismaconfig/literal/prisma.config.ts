import { defineConfig } from 'prisma/config'

export default defineConfig({
  datasource: {
    url: 'postgresql://app:s3cret@db-b:5432/app',
  },
})
