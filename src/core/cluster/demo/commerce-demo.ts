import type { KeyspaceSchema } from '../schema-source.js';

/*
 * The commerce keyspace of Vitess's local example (unsharded): products, customers and orders, with the
 * example's sample rows. Embedded as text so the single executable needs no files next to it. `vt up` applies
 * it once, to a new cluster (a restarted one keeps its data).
 */
const CREATE_COMMERCE_SCHEMA = `create table if not exists product(
  sku varbinary(128),
  description varbinary(128),
  price bigint,
  primary key(sku)
) ENGINE=InnoDB;
create table if not exists customer(
  customer_id bigint not null auto_increment,
  email varbinary(128),
  primary key(customer_id)
) ENGINE=InnoDB;
create table if not exists corder(
  order_id bigint not null auto_increment,
  customer_id bigint,
  sku varbinary(128),
  price bigint,
  primary key(order_id)
) ENGINE=InnoDB;
`;

const INSERT_COMMERCE_DATA = `insert into customer(email) values('alice@domain.com');
insert into customer(email) values('bob@domain.com');
insert into customer(email) values('charlie@domain.com');
insert into customer(email) values('dan@domain.com');
insert into customer(email) values('eve@domain.com');
insert into product(sku, description, price) values('SKU-1001', 'Monitor', 100);
insert into product(sku, description, price) values('SKU-1002', 'Keyboard', 30);
insert into corder(customer_id, sku, price) values(1, 'SKU-1001', 100);
insert into corder(customer_id, sku, price) values(2, 'SKU-1002', 30);
insert into corder(customer_id, sku, price) values(3, 'SKU-1002', 30);
insert into corder(customer_id, sku, price) values(4, 'SKU-1002', 30);
insert into corder(customer_id, sku, price) values(5, 'SKU-1002', 30);
`;

/** Every table of an unsharded keyspace is listed without vindexes, as in vschema_commerce_initial.json. */
const COMMERCE_VSCHEMA = `{
  "tables": {
    "product": {},
    "customer": {},
    "corder": {}
  }
}
`;

export const DEMO_KEYSPACE = 'commerce';

/** Sample row counts, for callers that check the demo loaded. */
export const DEMO_ROW_COUNTS: Readonly<Record<string, number>> = { product: 2, customer: 5, corder: 5 };

export function commerceDemoSchema(): KeyspaceSchema {
  return {
    keyspace: DEMO_KEYSPACE,
    sqlFiles: [
      { name: 'demo:create_commerce_schema.sql', sql: CREATE_COMMERCE_SCHEMA },
      { name: 'demo:insert_commerce_data.sql', sql: INSERT_COMMERCE_DATA },
    ],
    vschema: { name: 'demo:vschema_commerce_initial.json', json: COMMERCE_VSCHEMA },
  };
}
