import { NotFoundError, ValidationError } from "../../platform/errors/app-error.ts";

/** Stable codes of the webhooks module; listed in docs/errors.md. */
export const webhookErrors = {
  notFound: () => new NotFoundError("webhook.not_found", "No such webhook endpoint in this company."),
  deliveryNotFound: () => new NotFoundError("webhook.delivery_not_found", "No such delivery for this endpoint."),
  invalidUrl: (message: string) =>
    new ValidationError([{ path: "/body/url", message }], "The endpoint URL is not usable.", "webhook.invalid_url"),
};
