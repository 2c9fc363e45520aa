# epj-gateway images. The default target is production: the gateway alone, without the demo's
# stand-ins or the sample certificates and keys; Redis runs as its own service (set REDIS_URL).
#   docker build -t epj-gateway .                  production
#   docker build --target demo -t epj-gateway-demo .   the demo: simulator, register stand-in, sample certificates, its own redis-server

FROM node:20-bookworm-slim AS base
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/var/lib/epj-gateway
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
RUN mkdir -p /var/lib/epj-gateway && chown node:node /var/lib/epj-gateway
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"

FROM base AS demo
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*
COPY demo ./demo
COPY certs-sample ./certs-sample
COPY fixtures ./fixtures
ENV GATEWAY_MODE=demo
USER node
CMD ["node", "bin/epj-gateway.mjs", "serve"]

FROM base AS production
ENV GATEWAY_MODE=production
# A capped V8 heap is collected before it grows: sized for about 200 clinics per replica
# (docs/deployment.md, "Sizing"); raise it for more.
ENV NODE_OPTIONS="--max-old-space-size=384 --max-semi-space-size=16"
# glibc gives each thread that allocates an arena of its own (V8's, libuv's, the EPJ folder writer's):
# two are enough for one event loop and keep some 14 MB less resident (docs/pipeline.md).
ENV MALLOC_ARENA_MAX=2
USER node
# SIGTERM reaches node directly (exec form), so shutdown runs in order.
CMD ["node", "bin/epj-gateway.mjs", "serve"]
