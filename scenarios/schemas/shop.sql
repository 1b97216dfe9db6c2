-- A small shop: categories nest (a self-reference), order lines have a composite key, and
-- orders.customer_ref points at customers without an FK (declared in shop.toml).

CREATE TABLE customers (
    id         varchar(36) PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    full_name  text,
    created_at timestamptz NOT NULL
);

CREATE TABLE categories (
    id        serial PRIMARY KEY,
    parent_id integer REFERENCES categories(id),
    name      varchar(80) NOT NULL
);

CREATE TABLE products (
    id          varchar(36) PRIMARY KEY,
    category_id integer NOT NULL REFERENCES categories(id),
    title       text NOT NULL,
    price       numeric(10, 2) NOT NULL,
    is_active   boolean NOT NULL DEFAULT true
);
CREATE INDEX ix_products_category ON products (category_id);

CREATE TABLE orders (
    id           varchar(36) PRIMARY KEY,
    customer_ref varchar(36),
    placed_on    date NOT NULL,
    note         text
);

CREATE TABLE order_lines (
    order_id   varchar(36) NOT NULL REFERENCES orders(id),
    product_id varchar(36) NOT NULL REFERENCES products(id),
    quantity   integer NOT NULL,
    PRIMARY KEY (order_id, product_id)
);
