# One image for every hub process; docker-compose.yml picks the command per service.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# The schema is needed by `npm ci`'s postinstall (prisma generate).
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY . .
USER node
EXPOSE 4000
# Not through npm: SIGTERM must reach the process for a graceful stop.
CMD ["node", "--import", "tsx", "bin/gateway.ts"]
