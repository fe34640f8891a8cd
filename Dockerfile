# Ultron's own image (operator, sampler service, in-pod agent) for real clusters; the test bed builds
# the same content without Docker (e2e/cluster/images.sh).
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY operator operator
COPY bench bench
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist dist
COPY bin bin
COPY package.json ./
ENTRYPOINT ["node", "/app/bin/ultron.js"]
