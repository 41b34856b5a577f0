// Where the tests find the real PostgreSQL and NATS. The defaults are this machine's (and CI's)
// services; TEST_DATABASE_URL and TEST_NATS_URL point elsewhere.
export const adminDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
export const natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
