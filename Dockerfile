# syntax=docker/dockerfile:1
# earshot: built with the dev dependencies (TypeScript), run with production dependencies only.
# The image holds the bot and its migrations (tsconfig.build.json); the demo, the bench and the
# fake Slack and X servers they need run from a checkout (`npm run demo`, `npm run bench`).
#   docker build -t earshot .
#   docker run --env-file .env -p 3000:3000 -v earshot-data:/data earshot
#   docker run --rm --env-file .env earshot node dist/src/migrate.js   # migrations only

FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The embedded Postgres lives in DATA_DIR when DATABASE_URL is unset; owned by the unprivileged user.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Slim images have no curl: ask /healthz with node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself (graceful shutdown within 10 s).
# A smaller young generation keeps the resident set near the live heap (see README → Benchmark).
CMD ["node", "--max-semi-space-size=8", "dist/src/main.js"]
