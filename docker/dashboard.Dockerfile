# The sumnet dashboard (`sumnet watch --web`) as a small image, to watch any running peers by URL without the harness
# (compose projects made by `sumnet compose` have their dashboard served by the driver).
# Built from the repository root, so the live view bundles the same network and contract code as the harness:
#   docker build -f docker/dashboard.Dockerfile -t sumnet/dashboard .
#   docker run -p 8080:8080 sumnet/dashboard --web --host 0.0.0.0 --nodes http://n1:8080,http://n2:8080
# Where no registry is reachable: --build-arg NODE_IMAGE=sumnet/node-base:20 (docker/build-base-image.sh).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
# The same first steps as the peer image's build stage (Dockerfile), so the engine reuses that layer.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY contract ./contract
COPY harness ./harness
# One file (dockerode, used only by --compose, stays out); the page's hand-written assets beside it in ./static/,
# where the server looks for them (copied with node: the base image may have no coreutils).
RUN node node_modules/esbuild/bin/esbuild harness/watch/main.ts --bundle --platform=node --format=esm --target=node20 \
      --external:dockerode \
      --banner:js="import { createRequire as __sumnetCreateRequire } from 'node:module'; const require = __sumnetCreateRequire(import.meta.url);" \
      --outfile=/out/watch.mjs \
 && node -e "require('node:fs').cpSync('harness/watch/static', '/out/static', { recursive: true })"

ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/ /app/
USER node
EXPOSE 8080
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:8080/health',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/watch.mjs"]
CMD ["--help"]
