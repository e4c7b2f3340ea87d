# The reference peer of sumnet as an image.
#   docker build -t sumnet/peer .                                   (official node:20-bookworm-slim base)
#   docker build --build-arg NODE_IMAGE=sumnet/node-base:20 -t sumnet/peer .   (no registry: docker/build-base-image.sh)
# Configured only through the peer contract's environment (NODE_ID, PEERS, NUMBERS, P2P_PORT, HTTP_PORT, DATA_DIR, ...).

ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: install all dependencies, compile with tsc, bundle the peer into one file -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY node ./node
COPY contract ./contract
# Only the peer (node/, and the contract/ schemas it shares with the harness) is compiled: the image does not carry
# the harness.
RUN printf '{"extends":"./tsconfig.build.json","include":["node/**/*.ts"]}' > tsconfig.peer.json \
 && node_modules/.bin/tsc -p tsconfig.peer.json \
 && node node_modules/esbuild/bin/esbuild dist/node/main.js --bundle --platform=node --format=esm --target=node20 \
      --banner:js="import { createRequire as __sumnetCreateRequire } from 'node:module'; const require = __sumnetCreateRequire(import.meta.url);" \
      --outfile=/out/peer.mjs

# --- runtime: node plus one bundled file; no npm dependencies, no compiler ------------------------------------------
ARG NODE_IMAGE=node:20-bookworm-slim
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    P2P_HOST=0.0.0.0 \
    P2P_PORT=7000 \
    HTTP_PORT=8080
WORKDIR /app
COPY --from=build /out/peer.mjs /app/peer.mjs
COPY --from=build /src/package.json /app/package.json
COPY docker/sumnet-peer-only.sh /usr/local/bin/sumnet
# DATA_DIR's usual place, owned by the peer's user: a named volume mounted here (sumnet compose) takes this owner.
RUN ["node", "-e", "require('node:fs').mkdirSync('/sumnet-data'); require('node:fs').chownSync('/sumnet-data', 1000, 1000)"]
USER node
EXPOSE 7000 8080
# node itself, not curl: the base image may have no curl. http.get, not fetch: loading fetch costs seconds on a busy host.
HEALTHCHECK --interval=5s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/health',r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"]
# `sumnet peer`: in this image `sumnet` runs only the bundled reference peer (docker/sumnet-peer-only.sh execs node,
# so signals reach the peer directly).
CMD ["sumnet", "peer"]
