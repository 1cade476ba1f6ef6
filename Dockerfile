# syntax=docker/dockerfile:1
# Rampart's production image. Node 24 can run the TypeScript sources directly (type stripping);
# stage 2 builds the console's static files and the server's production bundle (dist/server,
# which `rampart serve` runs while it matches the sources beside it: faster start, less
# memory); the other stages separate installing from running.

# Stage 1: production dependencies only, from the lockfile. No install scripts: the native
# modules (argon2) ship prebuilt binaries as optional dependencies.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# Stage 2: the console (console/ → console/dist, served at /console), built by Vite, and the
# server bundle (src/ → dist/server), built by esbuild; both dev dependencies: only the built
# files leave this stage.
FROM node:24-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY console ./console
COPY clients ./clients
COPY src/platform/access/permissions.ts ./src/platform/access/permissions.ts
RUN npx vite build --config console/vite.config.ts --logLevel warn
COPY src ./src
COPY scripts/build-server.ts ./scripts/build-server.ts
RUN node scripts/build-server.ts

# Stage 3: the runtime: sources, their bundle, migrations and production node_modules, run as the
# unprivileged `node` user (uid 1000) that the base image provides.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/var/lib/rampart
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
# The lockfile too: the bundle's manifest digests it with the sources it was built from.
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY --from=console /app/console/dist ./console/dist
COPY --from=console /app/dist/server ./dist/server
RUN mkdir -p /var/lib/rampart && chown node:node /var/lib/rampart
USER node
EXPOSE 8000
# rampart serve drains on SIGTERM (readiness 503, in-flight requests finish, exit 0).
STOPSIGNAL SIGTERM
# Liveness only: a dependency outage must not make the orchestrator restart healthy processes.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8000) + '/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/rampart.js", "serve"]
