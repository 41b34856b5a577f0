// Prisma CLI configuration. `engine: 'js'` makes the CLI use the wasm schema engine over the pg
// driver adapter: the classic engine downloads a native binary from outside the npm registry,
// which this project's machines cannot reach (see prisma/README.md).
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    return new PrismaPg({ connectionString: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' });
  },
});
