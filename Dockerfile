# trunk-reactor: one image for the reactor, the WFM sandbox and the demo.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# npm ci runs `prepare`, which is the build (dist/, the status page's bundled script)
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# V8 grows the heap lazily under the allocation rate of a backlog replay; the live data stays
# far below this (docs/operations.md, "Memory and latency knobs"), and RSS stays near it. With
# a limit this small V8 lets the old generation grow only 1.3x past what survived its last
# full collection: starting it at 96 MB spares a backlog replay most of those collections
ENV NODE_OPTIONS="--max-old-space-size=192 --initial-old-space-size=96"
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY schemas ./schemas
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
