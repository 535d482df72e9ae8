package dev.nizhal.war;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A note of the demo's {@code notes} table (rule {@code myNotes}) as a JPA entity, written by the mutator {@code
 * addNoteWithJpa} ({@link DemoWarApp}) through the container's {@code EntityManager}. The capture triggers on the
 * table log its insert like any other.
 */
@Entity
@Table(name = "notes")
public class Note {
    @Id
    private String id;

    private String body;

    @Column(name = "owner_id")
    private String ownerId;

    /** For JPA. */
    protected Note() {}

    public Note(String id, String body, String ownerId) {
        this.id = id;
        this.body = body;
        this.ownerId = ownerId;
    }

    public String id() {
        return id;
    }

    public String body() {
        return body;
    }

    public String ownerId() {
        return ownerId;
    }
}
