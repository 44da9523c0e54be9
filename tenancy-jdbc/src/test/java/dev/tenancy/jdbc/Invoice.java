package dev.tenancy.jdbc;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.TenantId;

/** A tenant-scoped entity for the Hibernate tests. The table's primary key is (tenant_id, id). */
@Entity
@Table(name = "invoices")
public class Invoice {

  @Id
  private Long id;

  @TenantId
  @Column(name = "tenant_id")
  private String tenantId;

  private long amount;

  protected Invoice() {}

  public Invoice(long id, long amount) {
    this.id = id;
    this.amount = amount;
  }

  public Long id() {
    return id;
  }

  public String tenantId() {
    return tenantId;
  }

  public long amount() {
    return amount;
  }
}
