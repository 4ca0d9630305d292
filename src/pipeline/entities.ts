import { Entity } from '../ingest/source-definition';

/** SPEC §4: the canonical entities every source is mapped onto. */
export interface EntitySpec {
  key: string[];
  /** Column ordering "the latest" row by; null = the row loaded last wins. */
  watermark: string | null;
  columns: Record<string, string>;
}

export const ENTITY_SPECS: Record<Entity, EntitySpec> = {
  customers: {
    key: ['customer_id'],
    watermark: 'updated_at',
    columns: {
      customer_id: 'VARCHAR',
      email: 'VARCHAR',
      phone: 'VARCHAR',
      first_name: 'VARCHAR',
      last_name: 'VARCHAR',
      birth_date: 'DATE',
      street: 'VARCHAR',
      city: 'VARCHAR',
      state: 'VARCHAR',
      postal_code: 'VARCHAR',
      country: 'VARCHAR',
      signup_at: 'TIMESTAMP',
      marketing_opt_in: 'BOOLEAN',
      updated_at: 'TIMESTAMP',
    },
  },
  products: {
    key: ['product_id'],
    watermark: 'updated_at',
    columns: {
      product_id: 'VARCHAR',
      name: 'VARCHAR',
      category: 'VARCHAR',
      brand: 'VARCHAR',
      unit_price: 'DECIMAL(18,4)',
      updated_at: 'TIMESTAMP',
    },
  },
  orders: {
    key: ['order_id'],
    watermark: 'updated_at',
    columns: {
      order_id: 'VARCHAR',
      customer_id: 'VARCHAR',
      order_ts: 'TIMESTAMP',
      status: 'VARCHAR',
      channel: 'VARCHAR',
      currency: 'VARCHAR',
      updated_at: 'TIMESTAMP',
    },
  },
  order_items: {
    key: ['order_id', 'line_no'],
    watermark: null,
    columns: {
      order_id: 'VARCHAR',
      line_no: 'BIGINT',
      product_id: 'VARCHAR',
      quantity: 'BIGINT',
      unit_price: 'DECIMAL(18,4)',
      discount: 'DECIMAL(18,4)',
    },
  },
  events: {
    key: ['event_id'],
    watermark: 'event_ts',
    columns: {
      event_id: 'VARCHAR',
      customer_id: 'VARCHAR',
      event_ts: 'TIMESTAMP',
      event_type: 'VARCHAR',
      session_id: 'VARCHAR',
      device: 'VARCHAR',
      product_id: 'VARCHAR',
    },
  },
};

/** Attributes whose change makes a new dim_customer version (SPEC §6). */
export const TRACKED_CUSTOMER_ATTRIBUTES = [
  'email',
  'phone',
  'first_name',
  'last_name',
  'birth_date',
  'street',
  'city',
  'state',
  'postal_code',
  'country',
  'signup_at',
  'marketing_opt_in',
] as const;
