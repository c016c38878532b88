# imgflow server image. Build and smoke-test with
#   docker build -t imgflow . && docker run --rm -p 8080:8080 imgflow
#   curl -f http://localhost:8080/healthz
# (podman: `podman build --format docker`, or the OCI format drops the HEALTHCHECK). The image has
# no GPU support: the webgpu package is not installed, so kernels and DeepDream run on the CPU.
#
# Stage 1: the full install (TypeScript is a dev dependency), the build into dist/, then the
# dev dependencies pruned away.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY vendor ./vendor
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY runtime ./runtime
COPY operations ./operations
COPY ui-protocol ./ui-protocol
COPY server ./server
COPY rig ./rig
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && node scripts/prune-platform-binaries.mjs

# Stage 2: node, the production dependencies, the compiled server and the graphs; no compiler,
# no sources, no tsx. Runs as the image's unprivileged `node` user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production PORT=8080 IMGFLOW_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin/imgflow.js ./bin/imgflow.js
# Graphs are saved here by Flowhub and the admin API; the result and weight caches go to .cache.
COPY --chown=node:node graphs ./graphs
RUN mkdir -p .cache && chown node:node .cache
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--initial-old-space-size=128", "dist/server/main.js"]
