// POST /api/webhooks: the App Router route handler; the receiver reads the raw body itself.
import { toRouteHandler } from "@hooks/next";
import { receiver } from "../../../lib/webhooks.js";

export const POST = toRouteHandler(receiver);
