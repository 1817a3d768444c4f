import { SchemaVersion, Upcast } from '@switchyard/core';
import { IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';

/**
 * An order was created. Version 2 added `currency`; version-1 producers still publish without it,
 * and the upcaster fills in the default before validation.
 */
@SchemaVersion(2)
@Upcast(1, 2, (v1) => ({ currency: 'USD', ...v1, version: 2 }))
export class OrderCreated {
  @IsString() orderId!: string;
  @IsString() customerId!: string;
  @IsNumber() @Min(0) total!: number;
  @IsIn(['USD', 'EUR', 'GBP']) currency!: string;
}

/** Ask billing what an order would cost. */
export class QuoteRequest {
  @IsInt() @Min(1) items!: number;
  @IsNumber() @Min(0) unitPrice!: number;
}

/** Billing's answer. */
export interface Quote {
  readonly total: number;
  readonly tax: number;
}

/** A command to the warehouse: only one worker must act on it. */
export class ReserveStock {
  @IsString() orderId!: string;
  @IsInt() @Min(1) quantity!: number;
}

/** A support ticket; urgent ones are served first. */
export class TicketOpened {
  @IsString() ticketId!: string;
  @IsInt() @Min(0) @Max(9) priority!: number;
  @IsOptional() @IsString() subject?: string;
}

/** Capture the payment of an order (handled exactly once where the broker has transactions). */
export class PaymentRequested {
  @IsString() orderId!: string;
  @IsNumber() @Min(0) amount!: number;
}
